terraform {
  # No provider: this module only renders text from its inputs.
  required_version = ">= 1.11.0"
}
