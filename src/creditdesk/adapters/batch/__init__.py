"""The nightly batch: the whole book as of a day, computed on a columnar engine, locally or on Spark."""
