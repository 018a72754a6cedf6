"""The survey of an office: framework versions, assessments and their answers, evidence, the lifecycle."""
