"""Course plumbing, never stubbed: paths, the module catalogue, the dataset manifest and
downloader, device choice, seeding, plotting, notebook checks and the notebook cell format."""
