"""``sagemaker_containers.beta``: the package older scripts import ``framework`` from."""
