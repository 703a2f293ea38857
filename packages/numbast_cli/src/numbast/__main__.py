from numbast_cli.main import legacy_main

if __name__ == "__main__":
    legacy_main()
