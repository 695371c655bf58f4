"""The build pipeline: plan what is stale, run each issue's formats on an executor, record what was made."""
