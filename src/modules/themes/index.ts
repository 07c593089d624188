export {
  analyseAllPending, analysePendingComments, countNewTopic, createTopic, deleteTopic, getThemes, getThemesThatGrew, getTopicSummaries,
  getPainPoints, getResponseTopics, getThemeSummary, getTopThemeByTouchpoint, listTopics, rebuildCommentThemes, requireTopic, scopeSurveys, seedDemoTopics, setCommentLogTrigger, weekWindow,
  type PainPoint, type Theme, type ThemeQuery, type ThemeScope, type ThemesResult, type Topic, type TopicInput, type TopicSummary,
} from './themes.service';
export { createThemeQueues, enqueueTopicCount, startThemeJobs, THEME_QUEUES } from './themes.jobs';
export type { ThemeGroup, ThemeImpact } from './rank';
export { painPointView, themeSummaryView } from './themes.view';
