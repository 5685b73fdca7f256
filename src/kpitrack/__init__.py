"""kpitrack: track government performance goals (预算绩效目标) through the year.

Record quarterly actuals and money spent, score the year-end self-evaluation
(单位自评), and list the projects that are underperforming.
"""

__version__ = "0.1.0"
