"""The course's code: one package per numbered module (``m01_autodiff`` ... ``m11_sampling``)
and ``course``, the plumbing that is not an exercise."""
