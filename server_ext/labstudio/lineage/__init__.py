"""Lineage: the trail from data to endpoint, recorded as jobs, packages and endpoints come and go.

`record` holds the hooks the engine calls; `fingerprint` takes inputs' fingerprints;
`service` answers queries. SageMaker's SDK modules (`labstudio.lineage.query`, `.artifact`,
`.context`, `.action`, `.association`, `.visualizer`, `.lineage_trial_component`) live here
too, as thin re-exports of `labstudio.sdk.lineage`. Nothing is imported here: a job's
supervisor imports `record` on its way to recording the job's end.
"""
