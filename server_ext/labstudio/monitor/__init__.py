"""Model Monitor: baselines, monitoring schedules and their executions (SageMaker's data-quality monitor).

- `stats` computes statistics.json and constraints.json and checks a dataset against them
  (numpy/pandas, no service);
- `datasets` reads a baseline dataset (CSV or JSON lines) and an endpoint's captured records;
- `analyzer` is the processing job's entry point (`python3 -m labstudio.monitor.analyzer`),
  what SageMaker's model-monitor container does, run as a local processing job by the engine;
- `cron` parses schedule expressions (croniter) and analysis windows;
- `service` records schedules and starts executions; `scheduler` is the detached process,
  one per store, that starts each execution when its time comes.
"""
