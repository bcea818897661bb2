// placeholder until the UI is ready
