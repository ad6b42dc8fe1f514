"""`ecovid-ops`: the operators' command line of the e-COVID platform."""
