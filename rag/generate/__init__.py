"""Generation: language-model backends, prompt templates, and reading a model's draft."""
