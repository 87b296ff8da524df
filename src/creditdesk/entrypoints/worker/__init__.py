"""The worker: the scheduled daily cycle and the continuous relay of events and notifications."""
