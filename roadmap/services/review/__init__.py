"""The consultants' work: the review of a submission, the portfolio of a cycle and its exports."""
