export {
  analyseAllPending, analysePendingComments, countNewTopic, createTopic, deleteTopic, getThemes, getThemesThatGrew, getTopicSummaries,
  getThemeSummary, getTopThemeByTouchpoint, listTopics, rebuildCommentThemes, scopeSurveys, setCommentLogTrigger, topicPattern, weekWindow,
  type Theme, type ThemeQuery, type ThemeScope, type ThemesResult, type Topic, type TopicInput, type TopicSummary,
} from './themes.service';
export { createThemeQueues, enqueueTopicCount, startThemeJobs, THEME_QUEUES } from './themes.jobs';
export type { ThemeGroup, ThemeImpact } from './rank';
export { themeSummaryView } from './themes.view';
