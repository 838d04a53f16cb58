"""Code hosts (GitHub, GitLab): sticky comments, deployment mirrors and job outputs."""
