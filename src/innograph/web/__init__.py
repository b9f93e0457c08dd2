"""The HTTP face of innograph: a Flask app factory (``app.create_app``) and one blueprint per face."""
