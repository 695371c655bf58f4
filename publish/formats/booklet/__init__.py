"""The booklet format: the download PDF's pages imposed two to a sheet side for saddle-stitching at home."""
