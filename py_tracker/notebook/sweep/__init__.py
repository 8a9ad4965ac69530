"""The sweep control widget: `controller` (agent thread, trials, a frozen snapshot; no ipywidgets),
`layout` (the view: widgets that render a snapshot) and `control` (SweepWidget composing both,
`sweep_widget()`, `%track sweep`), plus the trial runners (`cell`, `executor`), the plan, output
routing and charts."""
