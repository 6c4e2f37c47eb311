"""The refresh's gates: is the month's raw data complete, and is the built month sound?"""
