"""What the proposal tests share: the seed their synthetic exports are generated with."""

# One seed for every proposal test's export, so a test's expected proposal is the one its fixture's export gives.
PROPOSAL_SEED = 7
