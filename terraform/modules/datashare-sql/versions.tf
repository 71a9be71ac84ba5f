terraform {
  # No provider: this module only renders text from its inputs. Only what it uses:
  # optional() object attributes.
  required_version = ">= 1.3.0"
}
