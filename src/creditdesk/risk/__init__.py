"""The modelling library: knows nothing of the app."""
