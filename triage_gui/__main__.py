from triage_gui.cli.main import main

raise SystemExit(main())
