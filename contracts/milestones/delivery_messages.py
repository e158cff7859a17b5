"""(issue 15: filled in by the domain's work.)"""
