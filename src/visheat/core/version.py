"""The version of visheat (one place, read by the package and its pages)."""

VERSION = "0.1.0"
