import 'uplot/dist/uPlot.min.css';
import '@xyflow/react/dist/style.css';
import './base.css';
import './studio.css';
import './graph.css';
import './registry.css';
import './pipelines.css';
