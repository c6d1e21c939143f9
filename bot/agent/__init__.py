"""The model's side of a job: the Messages API loop, its tools, the gate host, prompts, prices."""
