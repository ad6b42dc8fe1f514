"""Read models of ecovid-monitor: the monitoring lists, past readings, reporting deadlines."""
