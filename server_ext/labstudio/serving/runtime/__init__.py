"""What runs inside an endpoint, under its supervisor process.

- ``supervisor``: the endpoint's supervisor (one process per endpoint): pools, blue/green
  updates, restarts of crashed workers; started by ``python -m labstudio.serving.server``;
- ``pools``: what it knows of its children (workers, pools, a transition in progress);
- ``reporter``: its writes to the store, through ``store.endpoints``;
- ``worker`` / ``router``: the forked children that answer requests;
- ``control``: the JSON-lines channel between the supervisor and each child, and draining;
- ``fronts``: a child's HTTP servers on inherited sockets, body limits and the bearer token;
- ``dispatcher``: an asynchronous endpoint's child that feeds the store's queue to the workers;
- ``serverless``: serverless variants' memory limit and figures (workers started on demand).
"""
