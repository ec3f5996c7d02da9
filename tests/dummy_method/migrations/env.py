from core.migrate import run_env

run_env()
