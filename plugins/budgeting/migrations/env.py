from core import run_env

run_env()
