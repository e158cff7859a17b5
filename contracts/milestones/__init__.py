"""节点: delivery of a contract's milestones: reports with a service log and
evidence, community supervision, resident surveys, the expert evaluation and
the acceptance that fixes the payable amount."""
