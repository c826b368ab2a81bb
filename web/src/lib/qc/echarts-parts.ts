/**
 * The parts of Apache ECharts the QC page draws with, imported by name so that the bundler
 * leaves the rest out (a dynamic import of `echarts/charts` would keep every chart type).
 * Loaded only through echarts.ts.
 */
import { use, init } from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export { init };
