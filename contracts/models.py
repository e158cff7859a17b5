# Contracts, milestones and payments arrive with their issues.
