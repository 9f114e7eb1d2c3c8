"""The grounding check: is each answer sentence supported by the passage it cites?"""
