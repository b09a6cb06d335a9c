"""In-process simulations of the cloud services wingcloud runs on."""
