// Placeholder until the tender sources land: builds nothing.
