"""Every read of the outcomes app: a patient's measurements and split-body plans
(`measurements`), and the evidence report of a cohort (`report`)."""
