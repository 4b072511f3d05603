"""Templates and static files of the web UI, installed as the package newssearch.webui."""
