/**
 * The QC page's charts as ECharts options, built from the api's figures: plain data, so that
 * what a chart shows is decided here and the chart component only draws it. Colours are the
 * app's (app.css); the canvas cannot read CSS variables, so they are repeated here once.
 */
import type { ComposeOption } from 'echarts/core';
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { TURNAROUND_BOUNDS_S, type QcStats } from '@loupe/protocol';
import type { QcFormat } from './format.ts';

export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

const INK = { text: '#e8eef4', muted: '#9aabbd', line: '#263241', surface: '#18212c', accent: '#5eead4', warn: '#fbbf24', danger: '#fb7185', blue: '#7dd3fc' };

/** What every chart shares: transparent on the card, muted axes, a dark tooltip, room for labels. */
function base(fmt: QcFormat): ChartOption {
  return {
    backgroundColor: 'transparent',
    textStyle: { color: INK.muted, fontFamily: 'inherit', fontSize: 13 },
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, textStyle: { color: INK.text }, itemGap: 20 },
    tooltip: {
      trigger: 'axis',
      backgroundColor: INK.surface,
      borderColor: INK.line,
      textStyle: { color: INK.text },
      valueFormatter: (v) => (typeof v === 'number' ? fmt.score(v) : String(v ?? '—')),
    },
  };
}

const axisStyle = { axisLine: { lineStyle: { color: INK.line } }, axisLabel: { color: INK.muted }, splitLine: { lineStyle: { color: INK.line } } };

const percentAxis = (fmt: QcFormat) => ({
  type: 'value' as const,
  min: 0,
  max: 1,
  ...axisStyle,
  axisLabel: { color: INK.muted, formatter: (v: number) => fmt.rate(v) },
});

export type Labels = { exams: string; completion: string; firstPass: string; repeatRate: string; meanScore: string; stills: string };

/** Exams per day or week as bars, and the completion rate as a line on a 0–100 % axis. */
export function overTime(stats: QcStats, fmt: QcFormat, l: Labels): ChartOption {
  return {
    ...base(fmt),
    tooltip: { ...base(fmt).tooltip, valueFormatter: undefined },
    xAxis: { type: 'category', data: stats.series.map((s) => fmt.day(s.start)), ...axisStyle, splitLine: { show: false } },
    yAxis: [
      { type: 'value', minInterval: 1, ...axisStyle },
      { ...percentAxis(fmt), splitLine: { show: false } },
    ],
    series: [
      { name: l.exams, type: 'bar', data: stats.series.map((s) => s.exams), itemStyle: { color: INK.blue, borderRadius: [4, 4, 0, 0] }, barMaxWidth: 28 },
      {
        name: l.completion,
        type: 'line',
        yAxisIndex: 1,
        data: stats.series.map((s) => s.completionRate),
        connectNulls: true,
        itemStyle: { color: INK.accent },
        lineStyle: { width: 3 },
        symbolSize: 7,
        tooltip: { valueFormatter: (v) => fmt.rate(typeof v === 'number' ? v : null) },
      },
    ],
  };
}

const viewName = (v: QcStats['views'][number], locale: string, protocols: number) => {
  const name = locale.startsWith('zh') ? v.name.zh : v.name.en;
  return protocols > 1 ? `${v.protocolKey} · ${name}` : name;
};

/** View names for an axis: with the protocol's key when there are views of more than one. */
export function viewNames(stats: QcStats, locale: string): string[] {
  const protocols = new Set(stats.views.map((v) => v.protocolKey)).size;
  return stats.views.map((v) => viewName(v, locale, protocols));
}

/** The views down the side of a per-view chart, first at the top. */
const viewAxis = (stats: QcStats, locale: string) => ({
  type: 'category' as const,
  data: viewNames(stats, locale),
  inverse: true,
  ...axisStyle,
  axisLabel: { color: INK.text, width: 160, overflow: 'truncate' as const },
});

/** One figure of each view as a horizontal bar, rounded at its end. */
const viewBars = (stats: QcStats, figure: 'firstPassRate' | 'repeatRate' | 'meanScore', name: string, color: string, barMaxWidth: number): BarSeriesOption => ({
  name,
  type: 'bar',
  data: stats.views.map((v) => v[figure]),
  itemStyle: { color, borderRadius: [0, 4, 4, 0] },
  barMaxWidth,
});

/** Per view, horizontal bars of first-pass acceptance and repeat rate. */
export function perViewRates(stats: QcStats, fmt: QcFormat, l: Labels, locale: string): ChartOption {
  return {
    ...base(fmt),
    tooltip: { ...base(fmt).tooltip, valueFormatter: (v) => fmt.rate(typeof v === 'number' ? v : null) },
    xAxis: percentAxis(fmt),
    yAxis: viewAxis(stats, locale),
    series: [viewBars(stats, 'firstPassRate', l.firstPass, INK.accent, 16), viewBars(stats, 'repeatRate', l.repeatRate, INK.warn, 16)],
  };
}

/** Per view, the mean score on the ACEP 1–5 scale. */
export function perViewScore(stats: QcStats, fmt: QcFormat, l: Labels, locale: string): ChartOption {
  return {
    ...base(fmt),
    legend: { show: false },
    grid: { ...base(fmt).grid, top: 16 },
    xAxis: { type: 'value', min: 0, max: 5, interval: 1, ...axisStyle },
    yAxis: viewAxis(stats, locale),
    series: [
      {
        ...viewBars(stats, 'meanScore', l.meanScore, INK.blue, 18),
        label: { show: true, position: 'right', color: INK.text, formatter: ({ value }) => fmt.score(typeof value === 'number' ? value : null) },
      },
    ],
  };
}

/** Labels of the turnaround buckets, two lines at most so that six fit a phone: "< 30s", "30s–\n60s", …, "≥ 15m". */
export function turnaroundBuckets(fmt: QcFormat): string[] {
  const bounds = TURNAROUND_BOUNDS_S.map((s) => fmt.shortDuration(s));
  return [`< ${bounds[0]}`, ...bounds.slice(1).map((b, i) => `${bounds[i]}–\n${b}`), `≥ ${bounds.at(-1)}`];
}

/** How many stills got their verdict within each turnaround bucket. */
export function turnaroundChart(stats: QcStats, fmt: QcFormat, l: Labels): ChartOption {
  return {
    ...base(fmt),
    legend: { show: false },
    grid: { ...base(fmt).grid, top: 16 },
    tooltip: { ...base(fmt).tooltip, valueFormatter: (v) => (typeof v === 'number' ? fmt.count(v) : '—') },
    xAxis: {
      type: 'category',
      data: turnaroundBuckets(fmt),
      ...axisStyle,
      splitLine: { show: false },
      axisLabel: { color: INK.muted, interval: 0, lineHeight: 16 },
    },
    yAxis: { type: 'value', minInterval: 1, ...axisStyle },
    series: [{ name: l.stills, type: 'bar', data: stats.turnaroundHistogram, itemStyle: { color: INK.accent, borderRadius: [4, 4, 0, 0] }, barMaxWidth: 48 }],
  };
}
