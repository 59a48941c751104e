"""trialwire: biomedical news and Q&A articles to reconciled clinical-trial facts."""

__version__ = "0.1.0"
