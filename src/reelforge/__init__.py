"""reelforge"""
