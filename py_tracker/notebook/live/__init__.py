"""The run panel: live charts (Bokeh), media and custom charts, the tabs, the store/row source
and the updater that ticks them."""
