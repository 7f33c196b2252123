"""The offline demo portal: synthetic reports, their portal, the loopback server and route (README "Layout")."""
