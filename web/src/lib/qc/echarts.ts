/**
 * Apache ECharts, loaded on first use: only the QC page pays for it, in chunks of its own, and
 * only the parts it draws with (bar and line charts on canvas, axes, tooltip, legend).
 */
import type { EChartsType } from 'echarts/core';

export type { EChartsType };

let loading: Promise<typeof import('echarts/core')> | null = null;

export function loadECharts(): Promise<typeof import('echarts/core')> {
  loading ??= Promise.all([import('echarts/core'), import('echarts/charts'), import('echarts/components'), import('echarts/renderers')]).then(
    ([core, charts, components, renderers]) => {
      core.use([
        charts.BarChart,
        charts.LineChart,
        components.GridComponent,
        components.TooltipComponent,
        components.LegendComponent,
        renderers.CanvasRenderer,
      ]);
      return core;
    },
  );
  return loading;
}
