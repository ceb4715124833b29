"""The sales service carved out of the monolith: sales statuses and marketing channels.

It owns its code, settings and database, and never imports the monolith.
"""
