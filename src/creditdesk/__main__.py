from creditdesk.entrypoints.cli.main import run

run()
