"""Run the benchmarks of the main environment in turn; each prints one JSON line of figures.

The scoring accuracy benchmark (bench.scoring) runs in the peers' environment: `make bench`.
"""

from bench import cash_forecast, credit_check, import_invoices, limits, scoring_speed, simulation, startup, web_pages

startup.main()
import_invoices.main()
credit_check.main()
scoring_speed.main([])
limits.main([])
cash_forecast.main([])
simulation.main([])
web_pages.main([])
