"""The app store's migrations, one per schema change, oldest first."""
