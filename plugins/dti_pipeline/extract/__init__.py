"""The one client that talks to every source system."""
