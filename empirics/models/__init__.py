"""PyTorch models of the papers. Every model maps ``x (batch, time, d_in)`` to causal
predictions ``(batch, time, d_out)``: output ``t`` depends on ``x[:, :t+1]`` only."""
